"""Word and phrase banks of Vietnamese local-government vocabulary (full diacritics, NFC)."""
from __future__ import annotations

WARDS = ("phường Mai Hùng", "phường Quỳnh Dị", "phường Quỳnh Phương", "phường Quỳnh Thiện", "phường Quỳnh Xuân")
COMMUNES = ("xã Quỳnh Liên", "xã Quỳnh Lộc", "xã Quỳnh Lập", "xã Quỳnh Trang", "xã Quỳnh Vinh")
PLACES = WARDS + COMMUNES

AGENCIES = (
    "UBND thị xã", "Thường trực Thị ủy", "Ban Thường vụ Thị ủy", "HĐND thị xã", "Ủy ban MTTQ thị xã",
    "Phòng Kinh tế", "Phòng Quản lý đô thị", "Phòng Tài nguyên và Môi trường", "Phòng Tài chính - Kế hoạch",
    "Phòng Giáo dục và Đào tạo", "Phòng Lao động - Thương binh và Xã hội", "Phòng Văn hóa và Thông tin",
    "Phòng Tư pháp", "Phòng Y tế", "Thanh tra thị xã", "Cơ quan Tổ chức - Nội vụ", "Công an thị xã",
    "Ban Chỉ huy Quân sự thị xã", "Hội Liên hiệp Phụ nữ thị xã", "Hội Nông dân thị xã",
    "Hội Cựu chiến binh thị xã", "Thị đoàn Hoàng Mai", "Liên đoàn Lao động thị xã", "Trung tâm Y tế thị xã",
    "Ban Tuyên giáo Thị ủy", "Ủy ban Kiểm tra Thị ủy", "Ban Dân vận Thị ủy",
    "Trung tâm Văn hóa Thể thao và Truyền thông thị xã", "Ban Quản lý dự án đầu tư xây dựng thị xã",
)

TOPICS = {
    "chinh-tri": (
        "công tác xây dựng Đảng", "công tác kiểm tra, giám sát của Đảng", "việc học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh",
        "công tác phát triển đảng viên", "Nghị quyết Trung ương 4 khóa XII", "công tác dân vận",
        "đại hội chi bộ nhiệm kỳ 2020 - 2022", "công tác bảo vệ chính trị nội bộ", "công tác tuyên giáo",
        "việc thực hiện quy chế dân chủ ở cơ sở", "công tác quy hoạch cán bộ", "công tác phòng, chống tham nhũng",
        "việc đánh giá, xếp loại tổ chức cơ sở đảng", "phong trào thi đua yêu nước", "công tác đối ngoại nhân dân",
    ),
    "kinh-te": (
        "sản xuất vụ Xuân", "công tác thu ngân sách nhà nước", "chương trình xây dựng nông thôn mới",
        "khu kinh tế Đông Nam Nghệ An", "nghề nuôi trồng thủy sản", "công tác giải phóng mặt bằng",
        "thu hút đầu tư vào khu công nghiệp Hoàng Mai", "phát triển tiểu thủ công nghiệp", "xây dựng đô thị văn minh",
        "cảng biển Đông Hồi", "chương trình mỗi xã một sản phẩm (OCOP)", "dồn điền, đổi thửa",
        "phát triển kinh tế biển", "quản lý trật tự xây dựng", "chuyển đổi cơ cấu cây trồng",
    ),
    "van-hoa-xa-hoi": (
        "phong trào Toàn dân đoàn kết xây dựng đời sống văn hóa", "công tác tiêm chủng mở rộng", "kỳ thi tốt nghiệp THPT",
        "công tác phòng, chống dịch bệnh", "chính sách đối với người có công", "bảo hiểm y tế toàn dân",
        "lễ hội đền Cờn", "phong trào thể dục thể thao quần chúng", "công tác giảm nghèo bền vững",
        "xây dựng trường chuẩn quốc gia", "công tác bảo vệ, chăm sóc trẻ em", "vệ sinh an toàn thực phẩm",
        "phổ cập giáo dục mầm non", "công tác dân số - kế hoạch hóa gia đình", "xây dựng gia đình văn hóa",
    ),
    "quoc-phong-an-ninh": (
        "công tác tuyển chọn và gọi công dân nhập ngũ", "diễn tập khu vực phòng thủ", "trật tự an toàn giao thông",
        "phong trào Toàn dân bảo vệ an ninh Tổ quốc", "công tác phòng cháy, chữa cháy", "huấn luyện lực lượng dân quân tự vệ",
        "đấu tranh phòng, chống tội phạm ma túy", "công tác giáo dục quốc phòng và an ninh", "công tác phòng, chống thiên tai",
        "cấp căn cước công dân", "bảo đảm an ninh trật tự trên biển", "xây dựng lực lượng dự bị động viên",
    ),
    "thong-bao": (
        "lịch tiếp công dân của Chủ tịch UBND thị xã", "tuyển dụng viên chức giáo dục", "đấu giá quyền sử dụng đất",
        "lấy ý kiến nhân dân về dự thảo quy hoạch", "kết quả xét tuyển công chức cấp xã", "dự toán ngân sách thị xã",
        "thu hồi đất thực hiện dự án", "điều chỉnh kế hoạch sử dụng đất", "điều chỉnh quy hoạch chi tiết xây dựng",
        "nghỉ lễ Quốc khánh 2/9", "thời gian làm việc mùa hè", "danh sách hộ nghèo, hộ cận nghèo",
    ),
    "cai-cach-hanh-chinh": (
        "cải cách thủ tục hành chính", "cơ chế một cửa, một cửa liên thông", "dịch vụ công trực tuyến mức độ 3, 4",
        "chỉ số cải cách hành chính (PAR INDEX)", "chỉ số năng lực cạnh tranh cấp tỉnh (PCI)", "ứng dụng công nghệ thông tin",
        "kỷ luật, kỷ cương hành chính", "số hóa hồ sơ, kết quả giải quyết thủ tục hành chính", "chính quyền điện tử",
        "đánh giá mức độ hài lòng của người dân", "văn bản điện tử liên thông", "chữ ký số chuyên dùng",
    ),
    "guong-dien-hinh": (
        "mô hình nuôi tôm công nghệ cao", "phong trào Nông dân sản xuất, kinh doanh giỏi", "phong trào Cựu chiến binh gương mẫu",
        "phong trào Thanh niên tình nguyện", "phong trào Người tốt, việc tốt", "mô hình kinh tế trang trại",
        "phong trào Phụ nữ tích cực học tập, lao động sáng tạo", "mô hình dân vận khéo", "phong trào khuyến học, khuyến tài",
        "mô hình trồng rau an toàn", "phong trào hiến đất làm đường giao thông", "nghề đóng tàu thuyền",
    ),
}

TITLE_VERBS = (
    "đẩy mạnh", "tăng cường", "nâng cao hiệu quả", "triển khai", "tập trung chỉ đạo", "quyết liệt thực hiện",
    "sơ kết", "tổng kết", "ra quân", "phát động", "kiểm tra", "giám sát", "tổ chức hội nghị về",
)
EVENTS = (
    "hội nghị", "lễ ra quân", "buổi làm việc", "đợt kiểm tra", "lễ phát động", "hội thảo", "lớp tập huấn",
    "buổi tọa đàm", "lễ kỷ niệm", "lễ trao quyết định", "đợt giám sát", "hội nghị sơ kết", "hội nghị tổng kết",
)
NOTICE_HEADS = ("Thông báo", "Thông báo về", "Quyết định về việc", "Thông báo về việc")
PERSON_DESCS = (
    "Cựu chiến binh", "Nông dân", "Cô giáo", "Thầy giáo", "Đảng viên", "Chủ nhiệm hợp tác xã", "Bí thư chi bộ",
    "Trưởng xóm", "Đoàn viên thanh niên", "Hội viên phụ nữ", "Ngư dân",
)
GIVEN_NAMES = (
    "Nguyễn Văn Hùng", "Trần Thị Hoa", "Lê Minh Tuấn", "Hồ Sỹ Thắng", "Phan Thị Hằng", "Đậu Văn Hải",
    "Hoàng Văn Nam", "Nguyễn Thị Thu Hà", "Thái Văn Quang", "Cao Xuân Bình", "Vũ Thị Lan", "Hồ Văn Thành",
    "Lê Thị Minh Nguyệt", "Trần Đình Khánh", "Nguyễn Hữu Lộc", "Hồ Thị Phương", "Phạm Quốc Việt", "Đặng Thị Yến",
)
POSITIONS = (
    "Bí thư Thị ủy", "Phó Bí thư Thường trực Thị ủy", "Chủ tịch UBND thị xã", "Phó Chủ tịch UBND thị xã",
    "Chủ tịch HĐND thị xã", "Chủ tịch Ủy ban MTTQ thị xã", "Trưởng Công an thị xã", "Chỉ huy trưởng Ban CHQS thị xã",
    "Trưởng phòng Kinh tế", "Trưởng phòng Giáo dục và Đào tạo", "Giám đốc Trung tâm Y tế thị xã",
)
ROLES = (
    "Phòng Văn hóa và Thông tin thị xã", "Trung tâm VH-TT&TT thị xã", "Phó Trưởng phòng Nội vụ",
    "Văn phòng HĐND - UBND thị xã", "Ban Tuyên giáo Thị ủy", "Bí thư Đảng ủy xã Quỳnh Lộc",
    "Chủ tịch UBND phường Quỳnh Thiện", "Trưởng ban Dân vận Thị ủy", "Cộng tác viên", "Phóng viên Đài truyền thanh thị xã",
)
SOURCES = (
    "Báo Nghệ An", "Cổng TTĐT tỉnh Nghệ An", "Đài PT-TH Nghệ An", "Báo Nhân Dân", "Báo điện tử Chính phủ",
    "Trung tâm VH-TT&TT Hoàng Mai", "Báo Tuổi trẻ Thủ đô",
)

ACTIONS = (
    "tổ chức triển khai", "quán triệt và thực hiện", "kiểm tra việc thực hiện", "đánh giá kết quả",
    "chỉ đạo quyết liệt", "ban hành kế hoạch thực hiện", "tuyên truyền sâu rộng về", "rà soát, đánh giá",
)
RESULTS = (
    "đạt {pct}% kế hoạch năm", "tăng {dec}% so với cùng kỳ năm trước", "vượt {pct2}% chỉ tiêu Nghị quyết",
    "hoàn thành {n}/{m} chỉ tiêu đề ra", "giảm {dec}% so với năm trước",
)
EFFECTS = (
    "góp phần nâng cao nhận thức của cán bộ, đảng viên và nhân dân",
    "tạo sự chuyển biến rõ nét trong lãnh đạo, chỉ đạo và tổ chức thực hiện",
    "đời sống vật chất, tinh thần của nhân dân từng bước được nâng lên",
    "bộ mặt đô thị, nông thôn ngày càng khởi sắc",
    "củng cố niềm tin của nhân dân đối với cấp ủy, chính quyền",
    "tình hình an ninh chính trị, trật tự an toàn xã hội được giữ vững",
)
LIMITS = (
    "công tác phối hợp giữa các ngành có lúc chưa chặt chẽ", "một số chỉ tiêu đạt thấp so với kế hoạch",
    "nguồn lực đầu tư còn hạn chế", "việc tuyên truyền ở một số đơn vị chưa thường xuyên",
    "chất lượng hồ sơ ở một số cơ sở chưa cao", "tiến độ giải ngân vốn đầu tư công còn chậm",
)
REQUESTS = (
    "tiếp tục quán triệt, triển khai nghiêm túc các chỉ đạo của cấp trên",
    "phát huy vai trò của người đứng đầu, tăng cường kiểm tra, đôn đốc",
    "tập trung tháo gỡ khó khăn, vướng mắc ngay từ cơ sở",
    "đẩy mạnh công tác tuyên truyền, vận động nhân dân cùng tham gia",
    "khắc phục những tồn tại, hạn chế đã chỉ ra",
    "nêu cao tinh thần trách nhiệm, hoàn thành tốt nhiệm vụ được giao",
)
GOALS = (
    "hoàn thành vượt mức các chỉ tiêu kế hoạch năm", "đưa thị xã trở thành đô thị loại III",
    "xây dựng hệ thống chính trị trong sạch, vững mạnh", "không để xảy ra điểm nóng, phức tạp",
    "nâng cao chất lượng phục vụ người dân và doanh nghiệp",
)
AWARDS = ("giấy khen", "bằng khen", "giấy chứng nhận", "cờ thi đua", "quà tặng")
PARTICIPANTS = (
    "các đồng chí trong Ban Thường vụ Thị ủy", "lãnh đạo các phòng, ban, ngành, đoàn thể", "bí thư các chi bộ, đảng bộ trực thuộc",
    "cán bộ chủ chốt các xã, phường", "đông đảo hội viên, đoàn viên và nhân dân trên địa bàn", "các đại biểu khách mời",
)
HEADINGS = (
    "Kết quả đạt được", "Một số tồn tại, hạn chế", "Nhiệm vụ, giải pháp thời gian tới", "Những kết quả nổi bật",
    "Bài học kinh nghiệm", "Phương hướng, nhiệm vụ năm tới",
)
CAPTIONS = (
    "Quang cảnh {event}.", "Đồng chí {name}, {position} phát biểu tại {event}.",
    "Lãnh đạo thị xã trao {award} cho các tập thể, cá nhân có thành tích xuất sắc.",
    "Các đại biểu tham dự {event}.", "Ra quân thực hiện {topic} tại {place}.",
    "Đoàn công tác kiểm tra thực tế tại {place}.",
)
TABLE_HEADERS = (
    ("STT", "Đơn vị", "Chỉ tiêu giao", "Kết quả thực hiện", "Tỷ lệ (%)"),
    ("TT", "Xã, phường", "Kế hoạch", "Thực hiện"),
    ("STT", "Nội dung", "Số lượng", "Ghi chú"),
)
TABLE_NOTES = ("Đạt", "Vượt kế hoạch", "Chưa đạt", "Hoàn thành")
EMAIL_BOXES = ("vanphong@hoangmai.gov.vn", "ubnd.hoangmai@nghean.gov.vn", "tiepcongdan.hoangmai@gmail.com")
FILE_STEMS = ("DSC_", "IMG_", "anh", "hoi-nghi-", "P10", "z")
