"""The daily digest (日报) to each community's staff groups: yesterday's requests in numbers.

daily   when it is due (`digest_time` in the community's time zone), once a day, and what it says
"""
