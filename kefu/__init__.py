"""Kefu (客服): customer-service system."""

__version__ = "0.1.0"
