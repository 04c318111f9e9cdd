"""`python -m ziya_data ...`: the ziya-data command line."""

from ziya_data.jobs.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
