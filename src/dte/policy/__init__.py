"""The rules engine of the platform: pure Python, never imports Django.

Everything the policy (温人社发〔2024〕5号) decides lives here: dated, cited parameters,
the working-day calendar, periods, retirement ages, ID numbers and the claim rules.
"""

POLICY = "温人社发〔2024〕5号"
