"""Transfers (移送/转办) of tip-offs to another region, grid or agency, with a reason and an
acknowledgement by the receiver; the deadline stays and the reporter's timeline says where
the report went."""
