"""One controller module per journey; handlers parse, call one domain function, render."""
