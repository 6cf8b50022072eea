"""The demo's help center: five topics and seventeen articles, one topic for
signed-in customers only and one for agents only.

Written through ``knowledge.services.articles`` (rendered, indexed); a
category or article whose address exists already is left as it is, so
running the demo command again adds nothing. The view and vote counts are
set afterwards so the "Popular articles" list has an order.
"""

from django.utils.text import slugify

from accounts.models import User
from knowledge.models import Article, ArticleCategory
from knowledge.services.articles import article_create, category_create

PUBLIC = Article.Visibility.PUBLIC
CUSTOMERS = Article.Visibility.CUSTOMERS
AGENTS = Article.Visibility.AGENTS

# slug, name, description, position
CATEGORIES = [
    (
        "getting-started",
        "Getting started",
        "Your account, your first request and how we answer.",
        1,
    ),
    (
        "account-security",
        "Account and security",
        "Passwords, sign-in codes and your profile.",
        2,
    ),
    (
        "billing",
        "Billing and invoices",
        "Invoices, payment cards and refunds (signed-in customers).",
        3,
    ),
    (
        "troubleshooting",
        "Troubleshooting",
        "When something does not work as it should.",
        4,
    ),
    (
        "agent-handbook",
        "Agent handbook",
        "How the team works: for agents only.",
        5,
    ),
]

# category slug, visibility, views, helpful, not helpful, title, body
ARTICLES = [
    (
        "getting-started",
        PUBLIC,
        412,
        38,
        3,
        "How do I send a support request?",
        "Sign in and press **New request** at the top of any page.\n\n"
        "1. Write a short subject that says what is wrong, for example "
        "*Invoice 1043 shows the wrong address*.\n"
        "2. Describe what you did, what you expected and what happened.\n"
        "3. Attach screenshots or files if they help (up to 10 MB each).\n\n"
        "You can also email **support@helpdesk.example**: each email becomes "
        "a request and our answer arrives in your inbox.",
    ),
    (
        "getting-started",
        PUBLIC,
        268,
        21,
        2,
        "How quickly will you answer my request?",
        "We answer most requests within **one business day** "
        "(Monday to Friday, 9:00 to 17:00 Berlin time).\n\n"
        "Outages are handled around the clock: choose the category "
        "*Outage* when a whole service is down, and an engineer is paged.\n\n"
        "You will get an email each time we reply.",
    ),
    (
        "getting-started",
        PUBLIC,
        190,
        12,
        1,
        "How do I follow the progress of my request?",
        "Open **My requests** to see every request you sent, with its "
        "status:\n\n"
        "- **New**: we have it and will pick it up soon.\n"
        "- **Open**: someone is working on it.\n"
        "- **Pending**: we are waiting for your answer.\n"
        "- **Solved**: we think it is fixed; reply within 7 days to reopen "
        "it.\n\n"
        "People in your organization may see shared requests too.",
    ),
    (
        "getting-started",
        PUBLIC,
        95,
        6,
        0,
        "Can colleagues see the requests I send?",
        "If your organization shares requests, everyone in it sees them "
        "under **My requests** and can reply. Otherwise only you and our "
        "team see them.\n\nAsk your account owner to change the setting.",
    ),
    (
        "account-security",
        PUBLIC,
        530,
        61,
        7,
        "How do I reset my password?",
        "1. On the sign-in page, choose **Forgot your password?**\n"
        "2. Enter the email address of your account.\n"
        "3. Open the link we email you within an hour, and choose a new "
        "password.\n\n"
        "No email after ten minutes? Look in your spam folder, and check "
        "that you typed the address you signed up with.",
    ),
    (
        "account-security",
        PUBLIC,
        221,
        15,
        4,
        "How do I set up two-factor authentication?",
        "Two-factor authentication asks for a code from your phone after "
        "your password.\n\n"
        "1. Open **Profile** from the menu with your name.\n"
        "2. Choose **Set up an authenticator** and scan the QR code with an "
        "app such as Aegis, Google Authenticator or 1Password.\n"
        "3. Type the six-digit code the app shows to confirm.\n\n"
        "Keep the recovery codes we show you somewhere safe.",
    ),
    (
        "account-security",
        PUBLIC,
        87,
        5,
        1,
        "How do I change the email address of my account?",
        "Open **Profile**, type the new address and save. We send a "
        "confirmation link to the new address; the change takes effect "
        "when you open it.",
    ),
    (
        "billing",
        CUSTOMERS,
        305,
        27,
        2,
        "Where can I download my invoices?",
        "Signed-in account owners find every invoice under "
        "**Billing → Invoices** as a PDF.\n\n"
        "Invoices are issued on the first business day of each month and "
        "emailed to your billing contact.",
    ),
    (
        "billing",
        CUSTOMERS,
        176,
        14,
        3,
        "How do I update my payment card?",
        "Go to **Billing → Payment methods**, choose **Add a card**, then "
        "make it the default. The next invoice is charged to it.\n\n"
        "We never see your full card number: payments go through our "
        "payment provider.",
    ),
    (
        "billing",
        CUSTOMERS,
        122,
        9,
        5,
        "Can I get a refund?",
        "Yes, within **30 days** of a charge for annual plans, and for any "
        "charge made in error.\n\nSend a request in the category *Billing* "
        "with the invoice number; refunds reach your card in 5 to 10 "
        "business days.",
    ),
    (
        "billing",
        CUSTOMERS,
        64,
        4,
        0,
        "Why does my invoice show VAT?",
        "We charge VAT to customers in the EU without a VAT number. Add "
        "your VAT number under **Billing → Company details** and the next "
        "invoice is issued without it (reverse charge).",
    ),
    (
        "troubleshooting",
        PUBLIC,
        244,
        18,
        6,
        "I am not receiving email notifications",
        "- Look in your spam or junk folder, and mark our email as *not "
        "spam*.\n"
        "- Add **support@helpdesk.example** to your contacts.\n"
        "- Check the address in **Profile**.\n\n"
        "Still nothing? Your company's mail server may hold our messages: "
        "ask your IT team to allow our domain.",
    ),
    (
        "troubleshooting",
        PUBLIC,
        133,
        8,
        2,
        "My attachment was refused",
        "Files up to **10 MB** are accepted, in common document, image and "
        "archive formats. Programs and scripts (for example `.exe`, `.js`) "
        "are refused for everyone's safety.\n\nCompress a large file, or "
        "share a link to it in your message.",
    ),
    (
        "troubleshooting",
        PUBLIC,
        58,
        3,
        1,
        "The page says my session expired",
        "For your security we sign you out after two weeks, or when you "
        "sign out elsewhere. Sign in again; what you were typing in a "
        "reply box is not kept, so copy long texts first.",
    ),
    (
        "agent-handbook",
        AGENTS,
        41,
        5,
        0,
        "Handling an outage report",
        "1. Set the category to **Outage**: the round-the-clock SLA "
        "applies and Tier 2 is paged.\n"
        "2. Post the status page link in your first reply.\n"
        "3. Merge duplicate reports into the first one.\n"
        "4. When it is fixed, solve every merged ticket with the incident "
        "summary.",
    ),
    (
        "agent-handbook",
        AGENTS,
        29,
        3,
        0,
        "Issuing a refund",
        "Refunds up to 200 EUR: issue them in the billing tool and add an "
        "internal note with the transaction id.\n\n"
        "Above 200 EUR: assign the ticket to the **Invoices** team with an "
        "internal note; a second person approves.",
    ),
    (
        "agent-handbook",
        AGENTS,
        17,
        2,
        0,
        "Writing a good reply",
        "- Greet the requester by name and answer the question first.\n"
        "- Link the help-center article that explains it.\n"
        "- Say what happens next and when.\n"
        "- Set the status to *Pending* when you wait for them.",
    ),
]


def demo_articles_add(*, author: User | None) -> int:
    """Add the demo categories and articles missing by address; returns how
    many articles were added."""
    categories = {c.slug: c for c in ArticleCategory.objects.all()}
    for slug, name, description, position in CATEGORIES:
        if slug not in categories:
            categories[slug] = category_create(
                name=name,
                description=description,
                position=position,
                slug=slug,
                actor=author,
            )
    slugs = set(Article.objects.values_list("slug", flat=True))
    added = 0
    for category, visibility, views, helpful, unhelpful, title, body in ARTICLES:
        if slugify(title) in slugs:
            continue
        article = article_create(
            title=title,
            body=body,
            category=categories[category],
            status=Article.Status.PUBLISHED,
            visibility=visibility,
            actor=author,
        )
        Article.objects.filter(pk=article.pk).update(
            view_count=views, helpful_count=helpful, not_helpful_count=unhelpful
        )
        added += 1
    return added
