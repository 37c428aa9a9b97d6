"""The whole tip-off (举报) domain: filing, tracking, attachments, receipts, placing, the
regulators' workflow and outcome, public listings and statistics."""
