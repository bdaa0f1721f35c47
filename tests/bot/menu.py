"""The resident's main menu as the fake client shows it, in Chinese."""

MAIN_MENU_ZH = [
    ["💰 我的积分", "📖 积分规则"],
    ["📷 随手拍", "💳 付款码"],
    ["🙋 志愿值班", "📋 我的上报"],
    ["🏆 排行榜"],
]
