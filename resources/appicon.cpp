#include "resources/appicon.h"

#include <array>

namespace farmchat {

QIcon appIcon()
{
    // Every rendered size, so the platform never scales a 512 px image down to
    // 16 px (the 16 px one is a separately drawn, pixel-aligned variant).
    static constexpr std::array sizes {16, 24, 32, 48, 64, 128, 256, 512};
    QIcon icon;
    for (const int size : sizes) {
        icon.addFile(QStringLiteral(":/icons/farmchat-%1.png").arg(size), QSize(size, size));
    }
    return icon;
}

QString appId()
{
    return QStringLiteral(FARMCHAT_APP_ID);
}

} // namespace farmchat
