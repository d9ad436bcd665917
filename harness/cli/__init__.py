"""The `harness` command and its subcommands."""
