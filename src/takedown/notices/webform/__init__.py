"""Web-form notice channel: a site's report form, driven from a declarative recipe."""
