"""HTTP guards around the API: limits, security headers, CORS, secrets kept out of URLs."""
