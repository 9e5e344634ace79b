"""`python -m migc`: the command line."""

from migc.cli import main

if __name__ == "__main__":
    main()
