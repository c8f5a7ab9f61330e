"""Hotline cases (work orders, 工单): bot/cases/cases.py; the category tree: bot/cases/categories.py."""
