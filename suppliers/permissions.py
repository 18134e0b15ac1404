"""The access policy of this app's models, built on schoolprivacy.authorization."""
