"""One module per `tradewatch` subcommand."""
