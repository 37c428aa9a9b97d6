"""The enterprise's right of reply (企业说明): a short public explanation of one of its records
or of its rating, shown only after a regulator of its region approved it."""
