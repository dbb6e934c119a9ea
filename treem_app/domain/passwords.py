"""The password policy: what a password chosen by a person must not be.

Applied whenever a password is set (an account created, a password changed); a password only
checked at sign-in is never judged, so accounts made before the policy keep working.

- at least :data:`MIN_LENGTH` characters, not only letters nor only digits;
- not the user name, and not containing it;
- not a common password, nor a common word with digits around it ("matkhau2024",
  "123anhyeuem"), nor common digits with a letter or two ("123456789a"): the list below holds
  the passwords most used in Vietnam and worldwide, compared without case, tone marks or
  separators ("Mật-Khẩu" is "matkhau");
- not fewer than four different characters ("aaaa1111aa").
"""

from __future__ import annotations

import re

from .names import fold

MIN_LENGTH = 10

# Common passwords and the words most of them are made of (lower case, without tone marks or
# separators). Small on purpose: it catches what is tried first, not every weak password.
COMMON = frozenset(
    """
    123456 1234567 12345678 123456789 1234567890 0123456789 987654321 0987654321 111111 000000
    123123 123321 654321 666666 888888 999999 112233 11223344 1122334455 147258369 123654
    1q2w3e4r 1q2w3e4r5t 1qaz2wsx q1w2e3r4 zaq12wsx qwerty qwertyuiop asdfgh asdfghjkl zxcvbnm
    abc abcd abcdef abcxyz abc123 abcd1234 aa123456 a123456 password passw0rd pass matkhau mk
    matma admin administrator quantri root user guest test demo changeme welcome letmein
    iloveyou anhyeuem emyeuanh yeuem yeuanh anhyeuemnhieu tinhyeu yeu love baby princess
    dragon sunshine monkey football superman batman trustno1 master hello xinchao
    vietnam vietnamvodich vodich hanoi saigon hochiminh danang haiphong cantho hue gialai
    binhdinh quangngai pleiku quynhon
    nguyen tran le pham hoang huynh phan vu vo dang bui do ho ngo duong ly
    treem canbo congan ubnd xa phuong thon huyen tinh dean dean06 vneid
    deptrai cuongdeptrai xinhgai dethuong hanhphuc chienthang thanhcong maimaibennhau
    khongbiet khongco conmeo concho hoilamgi
    """.split()
)

_EDGE_DIGITS = re.compile(r"^[0-9]+|[0-9]+$")
_EDGE_LETTERS = re.compile(r"^[a-z]{1,2}(?=[0-9])|(?<=[0-9])[a-z]{1,2}$")


def folded(text: str) -> str:
    """Lower case, without tone marks (đ is d) or anything but letters and digits."""
    return fold(text).replace(" ", "")


def password_problem(password: str, username: str | None = None) -> str | None:
    """Why ``password`` may not be chosen (a Vietnamese sentence), or None when it may."""
    if len(password) < MIN_LENGTH:
        return f"Mật khẩu phải có ít nhất {MIN_LENGTH} ký tự."
    if password.isdigit() or password.isalpha():
        return "Mật khẩu phải có cả chữ và số."
    plain = folded(password)
    name = folded(username or "")
    if len(name) >= 3 and name in plain:
        return "Mật khẩu không được trùng hoặc chứa tên đăng nhập."
    # A common word with digits around it, or common digits with a letter or two around them.
    cores = {plain, _EDGE_DIGITS.sub("", plain), _EDGE_LETTERS.sub("", plain)}
    if cores & COMMON:
        return "Mật khẩu này quá phổ biến, dễ bị đoán. Hãy chọn mật khẩu khác."
    if len(set(plain)) < 4:
        return "Mật khẩu quá đơn giản (ít hơn 4 ký tự khác nhau). Hãy chọn mật khẩu khác."
    return None
