"""Cursor pagination: stable pages over lists that grow while they are read."""

from rest_framework.pagination import CursorPagination


class Cursor(CursorPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000
    ordering = "id"
