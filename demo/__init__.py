"""Demo data for `make run`: a fictional board modelled on two real school guides.

This app sits above every other (it may import them all) and is only used to
seed a local or test database; production refuses to run it.
"""
