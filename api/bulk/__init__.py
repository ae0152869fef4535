"""Parts of the bulk NDJSON import (interface §4 "Bulk exchange"); `api.bulk_import` runs them."""
