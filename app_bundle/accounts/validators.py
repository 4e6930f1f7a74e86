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
