"""`python -m api.cli`: the same command line as the `carbonlabel` script."""

from api.cli import main

main()
