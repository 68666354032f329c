#include "app/nodepalette_p.h"

#include <array>

namespace farmchat::nodepalette {

namespace {

// Okabe & Ito, "Color Universal Design"; black swapped for grey so it shows on dark.
constexpr std::array<QRgb, 8> kNodeColours {
    0xFFE69F00, 0xFF56B4E9, 0xFF009E73, 0xFFCC79A7, 0xFF0072B2, 0xFFD55E00, 0xFFF0E442, 0xFF8C8C8C};

// A colour for light and dark windows, with the word a user reads for it.
struct NamedColour
{
    QRgb light;
    QRgb dark;
    const char *name;
};

// Okabe & Ito's vermillion, which reads as orange (hue 26°; 20° on dark).
constexpr NamedColour kBad {0xFFD55E00, 0xFFFF7F3F, "orange"};

} // namespace

bool isDark(const QPalette &palette)
{
    return palette.color(QPalette::Window).lightness() < 128;
}

QColor nodeColour(int index, bool dark)
{
    const QColor base
        = QColor::fromRgba(kNodeColours[size_t(qAbs(index) % int(kNodeColours.size()))]);
    return dark ? base.lighter(110) : base;
}

QColor textOn(const QColor &background)
{
    // Relative luminance, sRGB weights.
    const double l
        = 0.2126 * background.redF() + 0.7152 * background.greenF() + 0.0722 * background.blueF();
    return l > 0.55 ? QColor(Qt::black) : QColor(Qt::white);
}

QColor good(bool dark)
{
    return dark ? QColor(0x3D, 0xDC, 0x97) : QColor(0x00, 0x9E, 0x73);
}

QColor warn(bool dark)
{
    return dark ? QColor(0xFF, 0xC1, 0x4D) : QColor(0xE6, 0x9F, 0x00);
}

QColor bad(bool dark)
{
    return QColor::fromRgba(dark ? kBad.dark : kBad.light);
}

QString badName()
{
    return QString::fromLatin1(kBad.name);
}

QString symbol(DeliveryState state)
{
    switch (state) {
    case DeliveryState::Pending:
        return QStringLiteral("…");
    case DeliveryState::Delivered:
        return QStringLiteral("✓");
    case DeliveryState::Missing:
        return QStringLiteral("✕");
    case DeliveryState::Duplicated:
        return QStringLiteral("⊕");
    case DeliveryState::Late:
        return QStringLiteral("◷");
    case DeliveryState::OutOfOrder:
        return QStringLiteral("⇅");
    case DeliveryState::NotExpected:
        return QStringLiteral("·");
    case DeliveryState::Unexpected:
        return QStringLiteral("!");
    }
    return {};
}

QColor colour(DeliveryState state, bool dark)
{
    QColor c;
    switch (state) {
    case DeliveryState::Pending:
    case DeliveryState::NotExpected:
        return {}; // no fill: the symbol says it
    case DeliveryState::Delivered:
        c = QColor(0x00, 0x9E, 0x73); // bluish green
        break;
    case DeliveryState::Missing:
        c = QColor(0xD5, 0x5E, 0x00); // vermillion
        break;
    case DeliveryState::Duplicated:
    case DeliveryState::Unexpected:
        c = QColor(0xCC, 0x79, 0xA7); // reddish purple
        break;
    case DeliveryState::Late:
        c = QColor(0xE6, 0x9F, 0x00); // orange
        break;
    case DeliveryState::OutOfOrder:
        c = QColor(0x56, 0xB4, 0xE9); // sky blue
        break;
    }
    c.setAlpha(dark ? 150 : 110);
    return c;
}

QString describe(DeliveryState state)
{
    switch (state) {
    case DeliveryState::Pending:
        return QStringLiteral("on its way: expected here, not arrived yet");
    case DeliveryState::Delivered:
        return QStringLiteral("delivered once, live, in order");
    case DeliveryState::Missing:
        return QStringLiteral("missing: the mode promised it here and it never came");
    case DeliveryState::Duplicated:
        return QStringLiteral("duplicated: the node sent it more than once");
    case DeliveryState::Late:
        return QStringLiteral("late: arrived after the grace period or only through History");
    case DeliveryState::OutOfOrder:
        return QStringLiteral("out of order: arrived before an earlier message of the same sender");
    case DeliveryState::NotExpected:
        return QStringLiteral("not expected here in this mode, and did not arrive");
    case DeliveryState::Unexpected:
        return QStringLiteral("unexpected: arrived although the mode did not promise it here");
    }
    return {};
}

} // namespace farmchat::nodepalette
