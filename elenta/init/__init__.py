"""`elenta init`: a starting lab folder (see `elenta.init.scaffold.write_lab`)."""
