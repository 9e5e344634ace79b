"""`python -m migc.lsp`: the language server over stdio (the same as `migc lsp`)."""

from migc.lsp.server import main

if __name__ == "__main__":
    main()
