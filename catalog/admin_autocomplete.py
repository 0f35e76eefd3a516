"""Autocomplete fields that survive a forged id. Django's admin autocomplete widgets look the
submitted ids up as they are when they render a form again: an id that is not a number (only
a hand-made request sends one) raised ValueError there, a 500 instead of the field's "Select a
valid choice" error. These widgets render only the ids that can be ids; the field still
refuses the others with its own message."""

from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple


class NumericIdsOnly:
    def optgroups(self, name, value, attr=None):
        return super().optgroups(name, [v for v in value if str(v).isdigit()], attr)


class SafeAutocompleteSelect(NumericIdsOnly, AutocompleteSelect):
    pass


class SafeAutocompleteSelectMultiple(NumericIdsOnly, AutocompleteSelectMultiple):
    pass


class SafeAutocompleteAdmin:
    """For a ModelAdmin or an inline: its `autocomplete_fields` get the widgets above."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in self.get_autocomplete_fields(request):
            kwargs.setdefault(
                "widget", SafeAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name in self.get_autocomplete_fields(request):
            kwargs.setdefault(
                "widget", SafeAutocompleteSelectMultiple(db_field, self.admin_site, using=kwargs.get("using"))
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)
