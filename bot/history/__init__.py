"""History imports: DiscordChatExporter JSON and Slack admin exports, streamed into the live recorder's rows."""
