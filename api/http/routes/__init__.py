"""HTTP routes: thin - validate, call a service function, commit, answer."""
