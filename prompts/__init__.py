"""The prompt packs shipped with engagebot: `<locale>/<name>.toml` data files (see bot.packs)."""
