"""The obliged-to-disclose list (企业环境信息依法披露名单): which enterprise must file an
annual disclosure report for which year, imported as data, and each obligation's status."""
