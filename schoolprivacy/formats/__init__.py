"""The date formats of the interface, one per kind of place, the same in both languages.

* In running text, headings and letters: ``DATE_FORMAT`` ("4 januari 2027", "4 January
  2027") and ``DATETIME_FORMAT`` (with the time): ``{{ day|date }}``,
  ``formats.date_format(day)``.
* In the cells of a table: ``SHORT_DATE_FORMAT`` ("4-1-2027") and
  ``SHORT_DATETIME_FORMAT``: ``{{ day|date:"SHORT_DATE_FORMAT" }}``.

Django's English formats are American ("Jan. 4, 2027", "01/04/2027"); a Dutch school
reading the English interface reads the day first, so English takes the Dutch order.
tests/core/test_date_formats.py holds templates and messages to these names.
"""
