"""The monitoring network (在线监控): stations, enterprise outlets, HJ 212 readings."""
