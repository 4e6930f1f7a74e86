from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError


class CharacterClassValidator:
    """Letters and digits both, and at least three of: lower case, upper case, digits,
    other characters (ИАФ: password complexity)."""

    def validate(self, password, user=None):
        classes = [
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        ]
        has_letter = any(c.isalpha() for c in password)
        has_digit = classes[2]
        if not (has_letter and has_digit) or sum(classes) < 3:
            raise ValidationError(
                "Пароль должен содержать буквы и цифры и не менее трёх видов символов из "
                "четырёх: строчные буквы, прописные буквы, цифры, другие знаки.",
                code="password_character_classes",
            )

    def get_help_text(self):
        return (
            "Пароль должен содержать буквы и цифры и не менее трёх видов символов из четырёх: "
            "строчные буквы, прописные буквы, цифры, другие знаки."
        )


class NotReusedValidator:
    """A new password differs from the current one (a temporary password included) and
    from the account's previous ones (`User.password_history`, ИАФ: password reuse)."""

    def validate(self, password, user=None):
        if user is None or not user.pk:
            return
        if user.password and check_password(password, user.password):
            raise ValidationError(
                "Новый пароль совпадает с текущим (временным): придумайте другой.",
                code="password_is_current",
            )
        if any(check_password(password, old) for old in user.password_history):
            raise ValidationError(
                f"Этот пароль уже использовался: не повторяйте {settings.PASSWORD_HISTORY} "
                "последних паролей.",
                code="password_reused",
            )

    def get_help_text(self):
        return (
            f"Пароль не должен совпадать с текущим и с {settings.PASSWORD_HISTORY} "
            "прежними паролями."
        )
