"""`python -m migc`: the command line."""

from migc.entry import main

if __name__ == "__main__":
    main()
