"""The widget's own interface texts, translated on the server in the page's language."""

from __future__ import annotations

from django.utils.translation import gettext as _


def widget_texts() -> dict[str, str]:
    return {
        "chat": _("Chat with us"),
        "message": _("Message us"),
        "leaveMessage": _("Leave a message"),
        "contact": _("Contact us"),
        "close": _("Close"),
        "backToday": _("We'll be back today at {time}."),
        "backTomorrow": _("We'll be back tomorrow at {time}."),
        # {day} is a weekday, as the browser writes it in the page's language: "Monday", "lundi".
        "backWeekday": _("We'll be back on {day} at {time}."),
        # {date} is a day and a month, as the browser writes it: "December 28", "28 décembre".
        "backDate": _("We'll be back on {date} at {time}."),
        "nobody": _("No one is available right now."),
        "required": _("This field is required."),
        "requiredMark": _("required"),
        "email": _("Enter a valid email address."),
        "phone": _("Enter a valid phone number, such as +33 1 23 45 67 89."),
        "number": _("Enter a number."),
        "date": _("Enter a date as YYYY-MM-DD."),
        "choice": _("Choose one of the options."),
        "tooLong": _("At most {limit} characters."),
        "department": _("Department"),
        "offline": _("offline"),
        "sending": _("Sending…"),
        "failed": _("Sending failed. Your message is kept; please try again."),
        # {when} is "in 13 minutes", written by the browser in the page's language.
        "throttled": _("Too many messages — try again {when}."),
        "online": _("We are online."),
        "away": _("We are away but will answer."),
        "unavailable": _("Chat is not available right now."),
        # The chat (chat.js): the pre-chat step, the conversation, the send box.
        "yourName": _("Your name"),
        "yourEmail": _("Your email"),
        "yourMessage": _("Your message"),
        "startChat": _("Start the chat"),
        "messages": _("Messages"),
        "you": _("You"),
        "agent": _("Agent"),
        "waiting": _("Waiting for someone to answer…"),
        "ended": _("The chat has ended."),
        "typeMessage": _("Type a message"),
        "send": _("Send"),
        "endChat": _("End the chat"),
        "newChat": _("Start a new chat"),
        # Said to screen readers, and counted on the launcher, while the chat panel is closed.
        "newMessage": _("New message"),
    }
