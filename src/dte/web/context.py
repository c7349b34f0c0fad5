from dte.policy import POLICY


def platform(request):
    return {
        "platform": {
            "name": "温州市数字技术工程师培育项目管理平台",
            "owner": "温州市人力资源和社会保障局",
            "policy": POLICY,
        }
    }
