# Korean puts 오전/오후 before the time ("오후 10:24"); Django's ko formats put it after
# in DATETIME_FORMAT ("10:24 오후") and use a 24-hour clock in SHORT_DATETIME_FORMAT.
# The short form is the one Korean systems print: "2025. 3. 12. 오후 10:24".
TIME_FORMAT = "A g:i"
DATETIME_FORMAT = "Y년 n월 j일 A g:i"
SHORT_DATETIME_FORMAT = "Y. n. j. A g:i"
