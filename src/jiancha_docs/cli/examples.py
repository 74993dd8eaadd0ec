"""An example for every command, shown at the end of its ``--help`` under 示例.

Keyed by the command's path below ``jiancha`` ("" is ``jiancha`` itself). Each example is a
command line and what it does. ``tests/test_help.py`` fails for a command without one.
"""

from __future__ import annotations

EXAMPLES: dict[str, list[tuple[str, str]]] = {
    "": [
        ("jiancha new 建议书", "生成一个填好表头的 Excel 登记表"),
        ("jiancha render 建议书 建议书.xlsx -o 输出", "用登记表批量生成纪检监察建议书"),
        ("jiancha rules search 函询以后多长时间内要回复", "检索法规条文"),
    ],
    "kinds": [("jiancha kinds", "列出全部文书类型")],
    "serve": [
        ("jiancha serve --open", "在本机启动网页界面并在浏览器中打开"),
        ("jiancha serve --port 8766 -o 输出", "换一个端口，文书保存到“输出”文件夹"),
    ],
    "kinds show": [("jiancha kinds show 建议书", "查看纪检监察建议书的全部字段")],
    "kinds check-template": [
        ("jiancha kinds check-template 建议书 本单位建议书模板.docx", "检查本单位模板里的变量是否都对")
    ],
    "new": [
        ("jiancha new 建议书", "生成“纪检监察建议书.xlsx”"),
        ("jiancha new reform_notice --format csv -o 整改通知.csv", "生成 CSV 格式的输入文件"),
    ],
    "render": [
        ("jiancha render 建议书 建议书登记表.xlsx -o 输出", "生成登记表中每一行的建议书"),
        ("jiancha render 建议书 登记表.xlsx --sheet 2024年 --header-row 3", "读取指定工作表，表头在第 3 行"),
        ("jiancha render 建议书 登记表.xlsx --check", "只校验，不生成文件"),
    ],
    "ledger": [("jiancha ledger list", "列出台账中的文书")],
    "ledger list": [("jiancha ledger list", "列出台账中的全部文书")],
    "ledger show": [("jiancha ledger show 某纪建〔2024〕3号", "查看这个文号的登记信息")],
    "ledger undo": [("jiancha ledger undo 某纪建〔2024〕3号 --reason 误点了作废", "撤销上一次状态变更")],
    "ledger mark": [("jiancha ledger mark 某纪建〔2024〕3号 已反馈", "登记被建议单位已书面反馈")],
    "ledger export": [("jiancha ledger export 台账.xlsx", "把台账导出为 Excel")],
    "ledger backup": [("jiancha ledger backup 台账备份.sqlite3", "备份台账")],
    "ledger review": [("jiancha ledger review 某监建〔2026〕3号 --by 张某 --opinion 同意", "登记前置审核")],
    "ledger approve": [("jiancha ledger approve 某监建〔2026〕3号 --by 李某 --opinion 同意印发", "登记审批")],
    "ledger assign": [("jiancha ledger assign 某监建〔2026〕3号 王某", "登记承办人")],
    "ledger remind": [
        ("jiancha ledger remind --within 7 -o 到期提醒.xlsx", "按承办人列出 7 天内到期和已逾期的文书")
    ],
    "ledger supervise": [("jiancha ledger supervise -o 督办函", "为逾期的文书起草督办函")],
    "ledger tasks": [("jiancha ledger tasks --status 逾期", "列出逾期的整改任务")],
    "ledger task": [("jiancha ledger task done 某监建〔2026〕3号 1 --evidence 已建立制度", "整改任务销号")],
    "ledger task done": [
        ("jiancha ledger task done 某监建〔2026〕3号 1 --evidence 已建立制度", "整改任务销号")
    ],
    "ledger task add": [("jiancha ledger task add 某监建〔2026〕3号 --task 建立台账", "补登一项整改任务")],
    "ledger visit": [
        ("jiancha ledger visit 某监建〔2026〕3号 -o 回访 --visitors 赵某", "用整改任务生成回访记录")
    ],
    "ledger report": [("jiancha ledger report -o 督办报表.xlsx", "导出周一督办报表（含图表）")],
    "ledger archive": [
        ("jiancha ledger archive --year 2026 -o 归档", "立卷归档：卷内目录、备考表、封皮、移交目录")
    ],
    "ledger sample": [
        ("jiancha ledger sample --year 2026 -n 10 --seed 1", "评查抽查：随机抽取 10 份并逐项检查")
    ],
    "ledger upgrade": [("jiancha ledger upgrade", "升级台账（服务器上的台账由管理员运行）")],
    "ledger migrate": [
        (
            "jiancha ledger migrate --to postgresql://jiancha@台账服务器/jiancha",
            "把本机台账迁移到办公室服务器",
        )
    ],
    "ledger audit": [
        ("jiancha ledger audit 某纪建〔2024〕3号", "查看这个文号的全部变更记录"),
        ("jiancha ledger audit --since 2025-01-01 -o 审计日志.xlsx", "导出今年以来的审计日志"),
    ],
    "users": [("jiancha users list", "列出全部账户")],
    "users add": [("jiancha users add 张三 --role 文书", "新建一个文书账户（随后输入密码）")],
    "users passwd": [("jiancha users passwd 张三", "为张三设置新密码")],
    "users list": [("jiancha users list", "列出全部账户")],
    "users disable": [("jiancha users disable 张三", "停用张三的账户")],
    "users enable": [("jiancha users enable 张三", "恢复张三的账户")],
    "users role": [("jiancha users role 张三 审核", "把张三改为审核角色")],
    "init": [
        (
            "jiancha init --discipline-organ 中共某某县纪律检查委员会 --supervision-organ 某某县监察委员会",
            "在当前文件夹建立工作区",
        )
    ],
    "pdf": [("jiancha pdf 输出", "把“输出”文件夹里的全部 Word 文书转换为 PDF")],
    "check": [("jiancha check 输出/某纪建〔2024〕3号_某局.docx", "按 GB/T 9704 检查一份文书的版式")],
    "doctor": [("jiancha doctor", "检查字体和 LibreOffice 是否齐备")],
    "rules": [("jiancha rules index", "把法规编入索引")],
    "rules index": [
        ("jiancha rules index", "编入示例工作指引和 regulations/ 中的法规"),
        ("jiancha rules index --rebuild", "索引损坏时全部重建"),
    ],
    "rules search": [
        ("jiancha rules search 函询 回复 期限", "按关键词检索"),
        ("jiancha rules search 监督执纪工作规则第二十九条", "直接显示这一条"),
        ("jiancha rules search 函询 回复 期限 --server http://台账服务器:8000", "用办公室服务器的法规库检索"),
        ("jiancha rules search --as-of 2023-06-01 留置 延长", "按当天的有效版本检索"),
    ],
    "rules diff": [
        ("jiancha rules diff 《监察法》 2018 2024", "两个版本的新旧对照"),
        ("jiancha rules diff 监察法 2018 2024 -o 监察法新旧对照.docx", "写成两栏对照表供打印"),
    ],
    "rules show": [("jiancha rules show 《监察法》第45条", "显示一条条文")],
    "rules import": [("jiancha rules import 收到的文件.docx", "把收到的法规转换为知识库格式")],
    "rules list": [("jiancha rules list", "列出已编入索引的法规")],
}
