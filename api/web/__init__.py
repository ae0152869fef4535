"""HTTP plumbing around the routers: response headers, authentication first, rate limits."""
