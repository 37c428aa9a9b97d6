"""The annual environmental-information disclosure report (企业环境信息依法披露年度报告,
《企业环境信息依法披露管理办法》第十二条) filed online by the enterprise: drafts, submission
with validation and plausibility flags, and the frozen public version."""
