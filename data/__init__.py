"""The shipped data (rules, factors, tariff parameters, templates), installed as the package
`carbonlabel_data` (setup.py maps this folder to it). Read it through lcidb.home.shipped_data_dir()."""
