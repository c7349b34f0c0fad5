"""What every app of the platform shares (see docs and DESIGN: policy ← core ← base apps ← domain apps)."""
