"""The regulators' credit cases: rating adjustments (four-eyes), objections, credit repair and
inspection plans."""
