# Copyright (c) fsat contributors. All rights reserved.
"""Models fsat adds to mmaction2: distillers, losses, connectors, taps."""
