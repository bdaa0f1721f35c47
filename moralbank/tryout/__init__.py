"""`moralbank try`: the real bot in a browser, without Telegram.

The product runs as `moralbank run` does, polling for updates, but its Telegram is the
project's stand-in (`fakebotapi`) started in the same process; the panel gains a chat page,
`/try`, where a person plays a newcomer, a demo resident or a linked grid worker against
it. Only the app this package builds has the page: `moralbank run` never does.
"""
