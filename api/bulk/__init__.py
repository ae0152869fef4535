"""Parts of the bulk NDJSON import (interface §4 "Bulk exchange"); `api.bulk.importer` runs them."""
