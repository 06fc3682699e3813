"""The worklist screens: the list (tabs, kinds, paging), an item's page, and its actions."""
