"""Rewards for substantiated tip-offs (有奖举报): the rules as data, the four-eyes workflow
(propose → approve or decline → paid), and the reporter's payment details kept apart."""
