"""The link of an invitation: choose a password, or accept or decline a proposed link."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from schoolprivacy import languages
from schoolprivacy.authorization import grants_for

from .. import services
from ..forms import AcceptInvitationForm


@never_cache
@sensitive_post_parameters("new_password1", "new_password2")
def accept_invitation(request, token):
    """The link of an invitation: an account without a password chooses one (and is linked to
    the pupil the invitation names, if any); an account with a password answers signed in."""
    invitation = services.invitation_for_token(token)
    if invitation is None:
        return render(request, "pupils/portal/invitation_invalid.html", status=404)
    if invitation.parent.has_usable_password():
        if invitation.pupil is None:  # an account invitation whose password was set since
            return render(request, "pupils/portal/invitation_invalid.html", status=404)
        return _answer_link(request, token, invitation)
    form = AcceptInvitationForm(invitation.parent, request.POST or None)
    if request.method == "POST" and request.POST.get("answer") == "decline":
        return _declined(request, token, user=None)
    if request.method == "POST" and form.is_valid():
        try:
            parent = services.invitation_accept(
                token=token, password=form.cleaned_data["new_password1"]
            )
        except ValidationError:
            return render(request, "pupils/portal/invitation_invalid.html", status=404)
        login(request, parent, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Welcome! Your password has been saved."))
        staff = grants_for(parent).is_staff_member  # invited by staff/services.py
        return languages.after_login(request, redirect("home" if staff else "portal:home"))
    return render(
        request,
        "pupils/portal/accept_invitation.html",
        {"form": form, "parent": invitation.parent, "invitation": invitation},
    )


def _answer_link(request, token, invitation):
    """An account with a password says yes or no to a proposed link, signed in as itself."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if request.user.pk != invitation.parent_id:
        return render(request, "pupils/portal/invitation_other_account.html", status=403)
    if request.method == "POST":
        answer = request.POST.get("answer")
        if answer == "decline":
            return _declined(request, token, user=request.user)
        if answer == "accept":
            try:
                services.invitation_link_accept(token=token, user=request.user)
            except ValidationError:
                return render(request, "pupils/portal/invitation_invalid.html", status=404)
            messages.success(
                request,
                _("You are now linked to %(name)s.") % {"name": invitation.pupil.first_name},
            )
            return redirect("portal:home")
        messages.error(request, _("Choose whether you accept the link."))
    return render(request, "pupils/portal/answer_invitation.html", {"invitation": invitation})


def _declined(request, token, *, user):
    try:
        services.invitation_decline(token=token, user=user)
    except (ValidationError, PermissionDenied):
        return render(request, "pupils/portal/invitation_invalid.html", status=404)
    return render(request, "pupils/portal/invitation_declined.html")
