"""Identity resolution: normalise identifiers, match records, cluster them into people."""
