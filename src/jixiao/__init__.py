"""jixiao（绩效）: China's budget performance evaluation (预算绩效评价) as rules as code."""

__version__ = "0.1.0"
