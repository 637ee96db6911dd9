"""What every layer that writes files shares: :mod:`jixiao.io.staging` (outputs whole or not at all)."""
