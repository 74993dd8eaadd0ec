#!/usr/bin/env bash
# Quick start: set up a virtual environment in .venv, install jiancha with its test tools, and
# run the main job on the bundled examples: every document kind rendered into ./out (which is
# made afresh), numbered from a demo ledger, then the ledger listed and exported.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'

J=.venv/bin/jiancha
export JIANCHA_CONFIG=examples/jiancha.toml   # organ names and 机关代字 for the demo
export JIANCHA_DB=out/台账.sqlite3             # a demo ledger inside ./out
export JIANCHA_RULES_INDEX=out/法规索引         # and the demo rules index
rm -rf out

echo "== 文书类型 =="
$J kinds
echo
echo "== 生成示例文书到 ./out =="
$J render 纪检监察建议书 examples/recommendation.yaml -o out
$J render 以案促改通知书 examples/reform_notice.csv -o out
$J render 澄清正名通报 examples/clarification_notice.yaml -o out
$J render 澄清说明 examples/clarification_letter.json -o out
$J render 函询通知书 examples/inquiry_letter.yaml -o out
$J render 了结反馈函 examples/closure_letter.yaml -o out
$J render 提醒函 examples/reminder_letter.yaml -o out
$J render 诫勉书 examples/admonition.yaml -o out
$J render 督办函 examples/urging_letter.csv -o out
$J render 党风廉政意见回复 examples/integrity_opinion.yaml -o out
$J render 回访记录 examples/follow_up_record.yaml -o out
echo
echo "== 法规知识库：编入示例工作指引并检索 =="
$J rules index
$J rules search 被函询人多长时间内要回复 -n 2
echo
echo "== 台账（以 2025年2月1日 为今天）=="
JIANCHA_TODAY=2025-02-01 $J ledger list
JIANCHA_TODAY=2025-02-01 $J ledger export out/台账.xlsx
echo
ls -1 out
